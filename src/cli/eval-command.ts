/**
 * `memory-ops eval <file>`: the memory quality on LoCoMo or LongMemEval (docs/evaluation.md). Unlike the other
 * commands it does not connect to the configured deployment: it runs the benchmark on the embedded local stack
 * (Temporal dev server, DynamoDB Local, a worker of its own), with Claude when ANTHROPIC_API_KEY is set, or the
 * fake Messages API with `--fake`. Without a key it computes no score and says so (exit code 2). Ctrl-C or
 * SIGTERM stops it between steps (exit code 1); the same command resumes.
 */
import { basename } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { DEFAULT_MODEL } from '../defaults';
import { reportMarkdown } from '../eval/eval-report';
import { DEFAULT_RETRIEVED_TOKENS } from '../eval/eval-runner';
import { terminalProgressBar } from '../eval/progress-bar';
import { runEvaluation } from '../eval/run-evaluation';
import type { BenchmarkName } from '../eval/eval-types';
import type { CliIo, CommandRunner } from './command-runner';
import { EXIT_CODES } from './exit-codes';
import { printable } from './render';

interface EvalOptions {
  benchmark?: BenchmarkName;
  fake?: boolean;
  limit?: number;
  concurrency: number;
  progress?: string;
  out?: string;
  retrievedTokens: number;
  model?: string;
  answerModel?: string;
  judgeModel?: string;
  temporalAddress?: string;
  dynamodbEndpoint?: string;
  table?: string;
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

function benchmarkName(value: string): BenchmarkName {
  if (value !== 'locomo' && value !== 'longmemeval') throw new InvalidArgumentError('must be locomo or longmemeval');
  return value;
}

/** Registers `eval` on the program. */
export function registerEvalCommand(program: Command, runner: CommandRunner, io: CliIo): void {
  program
    .command('eval')
    .description('Measure memory quality on a LoCoMo or LongMemEval file, on the embedded local stack (see docs/evaluation.md).')
    .argument('<file>', 'the benchmark file (locomo10.json, longmemeval_s.json, ...; not bundled)')
    .option('--benchmark <name>', 'locomo or longmemeval (default: detected from the file)', benchmarkName)
    .option('--fake', 'use the fake Messages API (no key; checks the plumbing, the figures are not a score)')
    .option('--limit <n>', 'evaluate only the first n conversations', positiveInteger)
    .option('--concurrency <n>', 'conversations worked on at once', positiveInteger, 1)
    .option('--progress <file>', 'progress file: a rerun skips what it records (default: <file name>.eval-progress.json here)')
    .option('--out <file>', 'also write the JSON report to this file')
    .option('--retrieved-tokens <n>', 'estimated tokens of memories given to the answer model per question', positiveInteger, DEFAULT_RETRIEVED_TOKENS)
    .option('--model <model>', `extraction model (default ANTHROPIC_MODEL, else ${DEFAULT_MODEL})`)
    .option('--answer-model <model>', 'answer model (default: the extraction model)')
    .option('--judge-model <model>', 'judge model (default: the extraction model)')
    .option('--temporal-address <host:port>', 'a loopback Temporal server of your own instead of the embedded one')
    .option('--dynamodb-endpoint <url>', 'a loopback DynamoDB Local of your own (with its data on disk, a resumed run keeps its memories)')
    .option('--table <name>', 'table for the memories (default: a new one per run)')
    .action(async (file: string, options: EvalOptions) => {
      const interrupt = new AbortController();
      const stopping = (): void => {
        // The first signal stops between steps (what finished is recorded, the servers are stopped); a second one exits now.
        if (interrupt.signal.aborted) process.exit(130);
        interrupt.abort();
        io.err('eval: stopping after the steps in flight (again to quit now); run the same command to resume\n');
      };
      process.on('SIGINT', stopping);
      process.on('SIGTERM', stopping);
      try {
        const extraction = options.model ?? io.env['ANTHROPIC_MODEL']?.trim() ?? DEFAULT_MODEL;
        const bar = terminalProgressBar(process.stderr, 'eval');
        const fakeSuffix = options.fake ? '.fake' : '';
        const report = await runEvaluation({
          datasetPath: file,
          benchmark: options.benchmark,
          fake: options.fake ?? false,
          apiKey: io.env['ANTHROPIC_API_KEY']?.trim() || undefined,
          limit: options.limit,
          concurrency: options.concurrency,
          progressPath: options.progress ?? `${basename(file)}${fakeSuffix}.eval-progress.json`,
          retrievedTokens: options.retrievedTokens,
          models: { extraction, answer: options.answerModel ?? extraction, judge: options.judgeModel ?? extraction },
          temporalAddress: options.temporalAddress,
          dynamodbEndpoint: options.dynamodbEndpoint,
          tableName: options.table,
          onProgress: bar?.update,
          signal: interrupt.signal,
        }).finally(() => bar?.done());
        if (options.out) {
          const { writeFile } = await import('node:fs/promises');
          await writeFile(options.out, `${JSON.stringify(report, null, 2)}\n`);
        }
        io.out(runner.json ? `${JSON.stringify(report, null, 2)}\n` : printable(reportMarkdown(report), { keepNewlines: true }));
        runner.exitCode = report.interrupted ? EXIT_CODES.problems : EXIT_CODES.ok;
      } catch (err) {
        // Ctrl-C reaches the embedded servers too: a step that failed because they went away is the interruption.
        if (interrupt.signal.aborted) {
          io.err('eval: interrupted; what finished is in the progress file: run the same command to resume\n');
          runner.exitCode = EXIT_CODES.problems;
        } else runner.fail(err);
      } finally {
        process.off('SIGINT', stopping);
        process.off('SIGTERM', stopping);
      }
    });
}
