/** Escapes text for HTML. */
export function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The page frame: plain HTML and a little CSS, no build step. */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · Portcullis demo</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #1d2433; }
  header { display: flex; justify-content: space-between; align-items: baseline; border-bottom: 1px solid #d8dee9; margin-bottom: 1.5rem; }
  a { color: #2f5fb3; }
  button { font: inherit; padding: .4rem .9rem; border: 1px solid #2f5fb3; background: #2f5fb3; color: #fff; border-radius: 4px; cursor: pointer; }
  button.secondary { background: #fff; color: #2f5fb3; }
  form.inline { display: inline; }
  pre { background: #f3f5f9; padding: .75rem; overflow-x: auto; border-radius: 4px; font-size: .85rem; }
  .muted { color: #5d6b82; }
</style>
</head>
<body>
<header><h1><a href="/">Portcullis</a> demo</h1><nav><a href="/dashboard">Dashboard</a></nav></header>
${body}
</body>
</html>`;
}
