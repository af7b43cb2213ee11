import { k3s, swarm } from '../../orchestrators/commands.js';

/** A command from `src/orchestrators/commands.ts`, with its arguments. */
export type HostCommand =
  | { kind: 'swarm.info' }
  | { kind: 'swarm.init'; advertiseIp: string }
  | { kind: 'swarm.joinToken'; role: 'worker' | 'manager' }
  | { kind: 'swarm.join'; token: string; managerIp: string }
  | { kind: 'swarm.nodes' }
  | { kind: 'swarm.drain'; nodeId: string }
  | { kind: 'swarm.runningTasks'; nodeId: string }
  | { kind: 'swarm.demote'; nodeId: string }
  | { kind: 'swarm.leave'; force: boolean }
  | { kind: 'swarm.remove'; nodeId: string }
  | { kind: 'k3s.status' }
  | { kind: 'k3s.install'; role: 'server' | 'agent'; clusterInit: boolean; token?: string; serverIp?: string; nodeIp: string; nodeName: string }
  | { kind: 'k3s.token' }
  | { kind: 'k3s.nodes' }
  | { kind: 'k3s.cordon'; nodeName: string }
  | { kind: 'k3s.drain'; nodeName: string; timeoutS: number }
  | { kind: 'k3s.deleteNode'; nodeName: string }
  | { kind: 'k3s.uninstall'; role: 'server' | 'agent' };

interface Form {
  /** The builder called with placeholders; the pattern is derived from it. */
  render: (args: string[]) => string;
  arity: number;
  build: (args: string[]) => HostCommand | undefined;
}

const isRole = (r: string | undefined): r is 'worker' | 'manager' => r === 'worker' || r === 'manager';

const FORMS: Form[] = [
  { arity: 0, render: () => swarm.info(), build: () => ({ kind: 'swarm.info' }) },
  { arity: 1, render: ([ip]) => swarm.init(ip!), build: ([ip]) => ({ kind: 'swarm.init', advertiseIp: ip! }) },
  { arity: 1, render: ([r]) => swarm.joinToken(r as 'worker'), build: ([r]) => (isRole(r) ? { kind: 'swarm.joinToken', role: r } : undefined) },
  { arity: 2, render: ([t, ip]) => swarm.join(t!, ip!), build: ([t, ip]) => ({ kind: 'swarm.join', token: t!, managerIp: ip! }) },
  { arity: 0, render: () => swarm.nodes(), build: () => ({ kind: 'swarm.nodes' }) },
  { arity: 1, render: ([id]) => swarm.drain(id!), build: ([id]) => ({ kind: 'swarm.drain', nodeId: id! }) },
  { arity: 1, render: ([id]) => swarm.runningTasks(id!), build: ([id]) => ({ kind: 'swarm.runningTasks', nodeId: id! }) },
  { arity: 1, render: ([id]) => swarm.demote(id!), build: ([id]) => ({ kind: 'swarm.demote', nodeId: id! }) },
  { arity: 0, render: () => swarm.leave(), build: () => ({ kind: 'swarm.leave', force: false }) },
  { arity: 0, render: () => swarm.forceLeave(), build: () => ({ kind: 'swarm.leave', force: true }) },
  { arity: 1, render: ([id]) => swarm.remove(id!), build: ([id]) => ({ kind: 'swarm.remove', nodeId: id! }) },
  { arity: 0, render: () => k3s.status(), build: () => ({ kind: 'k3s.status' }) },
  {
    arity: 2,
    render: ([ip, name]) => k3s.initServer(ip!, name!),
    build: ([ip, name]) => ({ kind: 'k3s.install', role: 'server', clusterInit: true, nodeIp: ip!, nodeName: name! }),
  },
  {
    arity: 4,
    render: ([t, s, ip, name]) => k3s.joinServer(t!, s!, ip!, name!),
    build: ([t, s, ip, name]) => ({ kind: 'k3s.install', role: 'server', clusterInit: false, token: t!, serverIp: s!, nodeIp: ip!, nodeName: name! }),
  },
  {
    arity: 4,
    render: ([t, s, ip, name]) => k3s.joinAgent(t!, s!, ip!, name!),
    build: ([t, s, ip, name]) => ({ kind: 'k3s.install', role: 'agent', clusterInit: false, token: t!, serverIp: s!, nodeIp: ip!, nodeName: name! }),
  },
  { arity: 0, render: () => k3s.token(), build: () => ({ kind: 'k3s.token' }) },
  { arity: 0, render: () => k3s.nodes(), build: () => ({ kind: 'k3s.nodes' }) },
  { arity: 1, render: ([n]) => k3s.cordon(n!), build: ([n]) => ({ kind: 'k3s.cordon', nodeName: n! }) },
  {
    arity: 2,
    render: ([n, t]) => k3s.drain(n!, t as unknown as number),
    build: ([n, t]) => (/^\d+$/.test(t!) ? { kind: 'k3s.drain', nodeName: n!, timeoutS: Number(t) } : undefined),
  },
  { arity: 1, render: ([n]) => k3s.deleteNode(n!), build: ([n]) => ({ kind: 'k3s.deleteNode', nodeName: n! }) },
  { arity: 0, render: () => k3s.uninstall('server'), build: () => ({ kind: 'k3s.uninstall', role: 'server' }) },
  { arity: 0, render: () => k3s.uninstall('agent'), build: () => ({ kind: 'k3s.uninstall', role: 'agent' }) },
];

const marker = (i: number) => `\u0001${i}\u0001`;
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const unquote = (s: string) => s.replace(/'\\''/g, "'");

/** Each form's pattern: the builder's output with every placeholder turned into a capture. */
const PATTERNS = FORMS.map((form) => {
  const template = form.render(Array.from({ length: form.arity }, (_, i) => marker(i)));
  const source = escapeRegExp(template).replace(/\u0001(\d+)\u0001/g, '([\\s\\S]+?)');
  return { form, pattern: new RegExp(`^${source}$`) };
});

/**
 * Recognises exactly the strings the builders in `commands.ts` produce: a candidate match is
 * rendered again with the builder and must give back the same string, so a command that merely
 * looks alike (other spacing, quoting or flags) is unknown, as drift between the adapters and
 * the builders should be.
 */
export function parseHostCommand(command: string): HostCommand | undefined {
  for (const { form, pattern } of PATTERNS) {
    const match = pattern.exec(command);
    if (!match) continue;
    const args = match.slice(1).map(unquote);
    const parsed = form.build(args);
    if (parsed && form.render(args) === command) return parsed;
  }
  return undefined;
}

/** A command's shape for an error message: quoted arguments and long words (tokens among them) elided. */
export function shapeOf(command: string): string {
  const shape = command.replace(/'(?:[^']|'\\'')*'/g, "'…'").replace(/\S{25,}/g, '…');
  return shape.length > 120 ? `${shape.slice(0, 119)}…` : shape;
}
