import { createHash } from 'node:crypto';
import { itemList, leaf, node } from './xml.js';
import type { Ec2Instance, Ec2World, InstanceState } from './world.js';

export const ACCOUNT_ID = '123456789012';

/** A stable 17-hex-digit id suffix for the default VPC and subnets. */
function hex(seed: string): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, 17);
}

export function stateXml(name: string, s: InstanceState): string {
  return node(name, leaf('code', s.code), leaf('name', s.name));
}

function tagSetXml(tags: Record<string, string>): string {
  return itemList('tagSet', Object.entries(tags).map(([k, v]) => leaf('key', k) + leaf('value', v)));
}

/** us-east-1 uses the legacy `ec2.internal` / `compute-1` DNS suffixes; other Regions name themselves. */
function dnsNames(i: Ec2Instance): { privateDns: string; publicDns: string } {
  const dashed = (ip: string) => ip.replace(/\./g, '-');
  const east = i.region === 'us-east-1';
  return {
    privateDns: `ip-${dashed(i.privateIp)}.${east ? 'ec2.internal' : `${i.region}.compute.internal`}`,
    publicDns: `ec2-${dashed(i.publicIp)}.${east ? 'compute-1' : `${i.region}.compute`}.amazonaws.com`,
  };
}

/**
 * One `<item>` of an `instancesSet`. The public address shows once the instance runs (clients
 * must cope with it missing while pending) and disappears when it is terminated.
 */
export function instanceXml(world: Ec2World, i: Ec2Instance): string {
  const state = world.stateOf(i);
  const addressed = state.name === 'running' || state.name === 'shutting-down';
  const dns = dnsNames(i);
  const terminated = state.name === 'terminated';
  return [
    leaf('instanceId', i.id),
    leaf('imageId', i.imageId),
    stateXml('instanceState', state),
    leaf('privateDnsName', terminated ? '' : dns.privateDns),
    leaf('dnsName', addressed ? dns.publicDns : ''),
    leaf('reason', terminated ? `User initiated (${new Date(i.terminateRequestedAt!).toISOString()})` : ''),
    leaf('keyName', i.keyName),
    leaf('amiLaunchIndex', i.launchIndex),
    node('productCodes'),
    leaf('instanceType', i.instanceType),
    leaf('launchTime', new Date(i.launchedAt).toISOString()),
    node('placement', leaf('availabilityZone', i.availabilityZone), node('groupName'), leaf('tenancy', 'default')),
    node('monitoring', leaf('state', 'disabled')),
    terminated ? '' : leaf('subnetId', `subnet-${hex(i.availabilityZone)}`) + leaf('vpcId', `vpc-${hex(i.region)}`),
    terminated ? '' : leaf('privateIpAddress', i.privateIp),
    leaf('ipAddress', addressed ? i.publicIp : undefined),
    node('groupSet'),
    terminated ? node('stateReason', leaf('code', 'Client.UserInitiatedShutdown'), leaf('message', 'Client.UserInitiatedShutdown: User initiated shutdown')) : '',
    leaf('architecture', 'x86_64'),
    leaf('rootDeviceType', 'ebs'),
    leaf('rootDeviceName', '/dev/xvda'),
    node('blockDeviceMapping'),
    leaf('virtualizationType', 'hvm'),
    leaf('clientToken', i.clientToken),
    tagSetXml(i.tags),
    leaf('hypervisor', 'xen'),
    node('networkInterfaceSet'),
    leaf('ebsOptimized', false),
  ].join('');
}

/** The fields of a reservation: as the body of RunInstancesResponse or an item of reservationSet. */
export function reservationXml(world: Ec2World, reservationId: string, instances: readonly Ec2Instance[]): string {
  return leaf('reservationId', reservationId) + leaf('ownerId', ACCOUNT_ID) + node('groupSet') + itemList('instancesSet', instances.map((i) => instanceXml(world, i)));
}
