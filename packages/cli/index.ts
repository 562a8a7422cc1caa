export { writeHtmlReport } from './src/commands/report.ts';
export { commands, main, processContext } from './src/main.ts';
export type { Command, CommandContext } from './src/types/index.ts';
export { ExitCode } from './src/types/index.ts';
