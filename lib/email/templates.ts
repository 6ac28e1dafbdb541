import { escapeHtml } from '../http/html.js';
/** What a template receives. */
export interface TemplateData {
  /** The app's name, for the subject and greeting. */
  appName: string;
  /** The recipient. */
  email: string;
  /** The link to follow (magic link, verification, reset), if any. */
  link?: string;
  /** The one-time code, if any. */
  code?: string;
  /** How long the link or code is valid, in minutes. */
  minutes?: number;
}

/** A rendered mail: subject, plain text, HTML. */
export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** Every mail Portcullis sends; each may be replaced through the `email.templates` option. */
export interface Templates {
  magicLink(data: TemplateData): RenderedMail;
  otp(data: TemplateData): RenderedMail;
  verifyEmail(data: TemplateData): RenderedMail;
  resetPassword(data: TemplateData): RenderedMail;
  /** Sent instead of a second account when someone registers a taken address. */
  accountExists(data: TemplateData): RenderedMail;
}

function linkMail(subject: string, intro: string, action: string, d: TemplateData): RenderedMail {
  const link = d.link ?? '';
  const expiry = d.minutes ? ` It expires in ${d.minutes} minutes and works once.` : '';
  const ignore = "If you didn't ask for this, ignore this mail.";
  return {
    subject,
    text: `${intro}\n\n${action}: ${link}\n\n${expiry.trim()}\n${ignore}\n`,
    html: `<p>${escapeHtml(intro)}</p><p><a href="${escapeHtml(link)}">${escapeHtml(action)}</a></p><p>${escapeHtml(expiry.trim())} ${escapeHtml(ignore)}</p>`,
  };
}

/** The default templates (plain, short, in English). */
export const defaultTemplates: Templates = {
  magicLink: (d) =>
    linkMail(
      `Sign in to ${d.appName}`,
      `Someone asked to sign in to ${d.appName} as ${d.email}.`,
      'Sign in',
      d,
    ),
  verifyEmail: (d) =>
    linkMail(
      `Confirm your email for ${d.appName}`,
      `Confirm that ${d.email} is yours.`,
      'Confirm my email',
      d,
    ),
  resetPassword: (d) =>
    linkMail(
      `Reset your ${d.appName} password`,
      `Someone asked to reset the password of ${d.email} on ${d.appName}.`,
      'Choose a new password',
      d,
    ),
  otp: (d) => {
    const text = `Your ${d.appName} sign-in code is ${d.code}. It expires in ${d.minutes} minutes.\nIf you didn't ask for it, ignore this mail.\n`;
    return {
      subject: `Your ${d.appName} sign-in code: ${d.code}`,
      text,
      html: `<p>Your ${escapeHtml(d.appName)} sign-in code is <strong>${escapeHtml(d.code ?? '')}</strong>.</p><p>It expires in ${d.minutes} minutes. If you didn't ask for it, ignore this mail.</p>`,
    };
  },
  accountExists: (d) => ({
    subject: `Your ${d.appName} account`,
    text: `Someone tried to create a ${d.appName} account with ${d.email}, which already has one.\nIf it was you, sign in instead${d.link ? ` (${d.link})` : ''}, or reset your password.\nIf it wasn't, ignore this mail: nothing changed.\n`,
    html: `<p>Someone tried to create a ${escapeHtml(d.appName)} account with ${escapeHtml(d.email)}, which already has one.</p><p>If it was you, sign in instead, or reset your password. If it wasn't, ignore this mail: nothing changed.</p>`,
  }),
};
