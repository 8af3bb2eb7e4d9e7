import { runStockCommand } from './stock-command.ts';

process.exitCode = await runStockCommand(process.argv.slice(2), {
  env: process.env,
  out: (line) => console.log(line),
  err: (line) => console.error(line),
});
