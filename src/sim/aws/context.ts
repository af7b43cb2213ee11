import type { Ec2Account } from './account.js';
import type { Params } from './params.js';
import type { Throttle } from './throttle.js';
import type { Ec2World } from './world.js';

/** What an action handler gets: the parsed form, the caller's Region, and the emulator's state. */
export interface ActionContext {
  params: Params;
  region: string;
  requestId: string;
  world: Ec2World;
  account: Ec2Account;
  throttle: Throttle;
  /** Running + pending + shutting-down instances allowed per Region (`InstanceLimitExceeded` past it). */
  instanceLimit: number;
}
