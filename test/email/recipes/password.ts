import { type AuthContext, Controller, LoginRequired, OptionalAuth, Post } from 'portcullis';
import type { OptionalAuthContext } from 'portcullis';

type Body = { email: string; password: string; newPassword: string };

@Controller('/account')
export class PasswordController {
  @Post('/register')
  @OptionalAuth()
  async register(ctx: OptionalAuthContext) {
    const { email, password } = ctx.request.body as Body;
    await ctx.auth.password.register(email, password); // mails a verification link
    return { registered: true }; // also for a taken address (its owner gets a mail)
  }

  @Post('/login')
  @OptionalAuth()
  async login(ctx: OptionalAuthContext) {
    const { email, password } = ctx.request.body as Body;
    const user = await ctx.auth.password.login(email, password); // 401 credentials_invalid
    return { id: user.id };
  }

  @Post('/password')
  @LoginRequired
  async change(ctx: AuthContext) {
    const { password, newPassword } = ctx.request.body as Body;
    await ctx.auth.password.change(password, newPassword); // other sessions end
    return { changed: true };
  }
}
