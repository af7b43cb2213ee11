import { TransientError } from '../../reconcile/errors.js';

/** `docker info` swarm fields (commands.ts `swarm.info`). */
export interface SwarmInfo {
  /** `inactive | pending | active | error | locked`. */
  state: string;
  /** True on a manager. */
  controlAvailable: boolean;
  /** Empty unless the node is in a swarm. */
  nodeId: string;
}

/** One line of `swarm.nodes`. */
export interface SwarmNodeRow {
  id: string;
  /** Lower-cased `Ready | Down | Unknown | Disconnected`. */
  status: string;
  /** Lower-cased `Active | Pause | Drain`. */
  availability: string;
  /** `Leader | Reachable | Unreachable`, or null on a worker. */
  managerStatus: string | null;
}

/** One line of `swarm.runningTasks`. */
export interface SwarmTask {
  id: string;
  name: string;
}

export function parseSwarmInfo(stdout: string): SwarmInfo {
  const [state = '', control = '', nodeId = ''] = stdout.trim().split(/\s+/);
  if (state === '') throw new TransientError('UnexpectedOutput', 'docker info printed no swarm state');
  return { state: state.toLowerCase(), controlAvailable: control === 'true', nodeId };
}

export function parseSwarmNodes(stdout: string): SwarmNodeRow[] {
  return lines(stdout).map((line) => {
    const [id, status, availability, managerStatus, ...rest] = line.split(/\s+/);
    if (!id || !status || !availability || !managerStatus || rest.length > 0) {
      throw new TransientError('UnexpectedOutput', `unexpected line from docker node ls: "${line.slice(0, 120)}"`);
    }
    return {
      id,
      status: status.toLowerCase(),
      availability: availability.toLowerCase(),
      managerStatus: managerStatus === '-' ? null : managerStatus,
    };
  });
}

/** Task states after which nothing runs any more (swarmkit's terminal states; `docker node ps` keeps them as history). */
const FINAL_TASK_STATES = new Set(['complete', 'shutdown', 'failed', 'rejected', 'orphaned', 'remove']);

/** The tasks of `swarm.runningTasks` that are not in a final state: still running, starting or being stopped. */
export function parseSwarmTasks(stdout: string): SwarmTask[] {
  return lines(stdout).flatMap((line) => {
    const [id = '', name = id, state = ''] = line.split(/\s+/);
    return FINAL_TASK_STATES.has(state.toLowerCase()) ? [] : [{ id, name }];
  });
}

/** A manager that can vote: the node is Ready and the Raft peers reach it. */
export function isReachableManager(row: SwarmNodeRow): boolean {
  return row.managerStatus !== null && row.status === 'ready' && row.managerStatus.toLowerCase() !== 'unreachable';
}

function lines(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}
