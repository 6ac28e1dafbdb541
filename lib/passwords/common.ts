let common: Set<string> | undefined;

/**
 * True for a password on the list of 49,233 most common passwords shipped by
 * `@zxcvbn-ts/language-common` (MIT; the `passwords-common` dictionary of zxcvbn-ts, from
 * leaked-password frequency lists), compared case-insensitively. Loaded at first use.
 */
export async function isCommonPassword(password: string): Promise<boolean> {
  if (!common) {
    const { dictionary } = await import('@zxcvbn-ts/language-common');
    common = new Set((dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase()));
  }
  return common.has(password.toLowerCase());
}
