export { planCluster } from './plan-cluster.js';
export { renderPlanMarkdown, renderPlanText, summarizePlan } from './render.js';
export { formatMoney, formatMoneyDelta } from './money.js';
export { quorumOf } from './quorum.js';
export { formatNodeId, nodeNumber } from './node-ids.js';
export type { ActualCluster, ActualNode, NodeStatus, Plan, PlanAction, PlanError, PlanInput } from './types.js';
