import { Controller, OptionalAuth, type OptionalAuthContext, Post } from 'portcullis';

@Controller('/sign-in')
export class EmailCodeController {
  @Post('/code')
  @OptionalAuth()
  async send(ctx: OptionalAuthContext) {
    const { email } = ctx.request.body as { email: string };
    await ctx.auth.otp.send(email); // 6 digits, bound to this browser
    return { sent: true };
  }

  @Post('/code/verify')
  @OptionalAuth()
  async verify(ctx: OptionalAuthContext) {
    const { email, code } = ctx.request.body as { email: string; code: string };
    const user = await ctx.auth.otp.verify(email, code); // signed in
    return { id: user.id };
  }
}
