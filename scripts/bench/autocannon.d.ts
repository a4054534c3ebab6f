// The part of autocannon's API the benchmark uses (the package ships no types).
declare module 'autocannon' {
  type Result = {
    requests: { total: number };
    duration: number;
    latency: { p50: number; p90: number; p99: number };
    non2xx: number;
    errors: number;
    timeouts: number;
    '3xx'?: number;
  };
  type Options = {
    url: string;
    connections: number;
    duration: number;
    timeout?: number;
    requests?: { method?: string; setupRequest?: (req: Record<string, unknown>) => Record<string, unknown> }[];
  };
  export default function autocannon(opts: Options): Promise<Result>;
}
