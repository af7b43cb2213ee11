/**
 * The exact shell commands the orchestrator adapters run on nodes. One place, so the adapters,
 * the simulated hosts (src/sim/hosts) and the real-Swarm tier agree. Arguments are ids, IPs and
 * tokens that the adapters validate before use (never user free text), single-quoted anyway.
 */
const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export const swarm = {
  /** `<LocalNodeState> <ControlAvailable> <NodeID>`, e.g. `active true abc123` or `inactive false `. */
  info: () => `docker info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}} {{.Swarm.NodeID}}'`,
  init: (advertiseIp: string) => `docker swarm init --advertise-addr ${q(advertiseIp)}`,
  joinToken: (role: 'worker' | 'manager') => `docker swarm join-token -q ${role}`,
  join: (token: string, managerIp: string) => `docker swarm join --token ${q(token)} ${q(`${managerIp}:2377`)}`,
  /** One line per node: `<ID> <Status> <Availability> <ManagerStatus or ->` (Status: Ready|Down|Unknown). */
  nodes: () => `docker node ls --format '{{.ID}} {{.Status}} {{.Availability}} {{if .ManagerStatus}}{{.ManagerStatus}}{{else}}-{{end}}'`,
  drain: (swarmNodeId: string) => `docker node update --availability drain ${q(swarmNodeId)}`,
  /**
   * Every task on a node with its CURRENT state (`<ID> <Name> <CurrentState>`); the tasks still
   * running there are those not in a final state (parse.ts `parseSwarmTasks`). Not filtered by
   * `desired-state=running`: a drain sets the desired state of the node's tasks to Shutdown at
   * once, while their containers keep running until they stop (up to the stop grace period).
   */
  runningTasks: (swarmNodeId: string) => `docker node ps ${q(swarmNodeId)} --format '{{.ID}} {{.Name}} {{.CurrentState}}'`,
  demote: (swarmNodeId: string) => `docker node demote ${q(swarmNodeId)}`,
  leave: () => `docker swarm leave`,
  /** Leaves a swarm whose managers are gone (a manager needs `--force` to leave at all). */
  forceLeave: () => `docker swarm leave --force`,
  remove: (swarmNodeId: string) => `docker node rm --force ${q(swarmNodeId)}`,
};

export const k3s = {
  /** Prints `active` when the k3s service runs on the node, anything else otherwise. */
  status: () => `systemctl is-active k3s k3s-agent 2>/dev/null | grep -m1 -x active || echo inactive`,
  /** The first server: a new embedded-etcd cluster. */
  initServer: (advertiseIp: string, nodeName: string) =>
    `curl -sfL https://get.k3s.io | INSTALL_K3S_EXEC=${q(`server --cluster-init --node-ip ${advertiseIp} --node-name ${nodeName}`)} sh -`,
  token: () => `cat /var/lib/rancher/k3s/server/node-token`,
  joinServer: (token: string, serverIp: string, advertiseIp: string, nodeName: string) =>
    `curl -sfL https://get.k3s.io | K3S_TOKEN=${q(token)} K3S_URL=${q(`https://${serverIp}:6443`)} INSTALL_K3S_EXEC=${q(`server --node-ip ${advertiseIp} --node-name ${nodeName}`)} sh -`,
  joinAgent: (token: string, serverIp: string, advertiseIp: string, nodeName: string) =>
    `curl -sfL https://get.k3s.io | K3S_TOKEN=${q(token)} K3S_URL=${q(`https://${serverIp}:6443`)} INSTALL_K3S_EXEC=${q(`agent --node-ip ${advertiseIp} --node-name ${nodeName}`)} sh -`,
  /** kubectl's default columns without headers: `<name> <Ready|NotReady|Ready,SchedulingDisabled> <roles> <age> <version>`. */
  nodes: () => `k3s kubectl get nodes --no-headers`,
  cordon: (nodeName: string) => `k3s kubectl cordon ${q(nodeName)}`,
  drain: (nodeName: string, timeoutS: number) => `k3s kubectl drain ${q(nodeName)} --ignore-daemonsets --delete-emptydir-data --timeout=${timeoutS}s`,
  deleteNode: (nodeName: string) => `k3s kubectl delete node ${q(nodeName)}`,
  uninstall: (role: 'server' | 'agent') => (role === 'server' ? `/usr/local/bin/k3s-uninstall.sh` : `/usr/local/bin/k3s-agent-uninstall.sh`),
};
