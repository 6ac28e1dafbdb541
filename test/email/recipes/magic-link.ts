import { Controller, OptionalAuth, type OptionalAuthContext, Post } from 'portcullis';

@Controller('/sign-in')
export class MagicLinkController {
  @Post('/link')
  @OptionalAuth()
  async link(ctx: OptionalAuthContext) {
    const { email } = ctx.request.body as { email: string };
    await ctx.auth.magic.send(email, { returnTo: '/dashboard' });
    return { sent: true }; // the same answer for every address
  }
}
