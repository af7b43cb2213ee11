import type { SimResponse } from '../common/http.js';
import type { Ec2ApiError } from './api-error.js';

/** The EC2 Query API's XML namespace (API version 2016-11-15). */
export const EC2_NAMESPACE = 'http://ec2.amazonaws.com/doc/2016-11-15/';

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** `<name>value</name>` with the value escaped; `<name/>` for an empty string; nothing when undefined. */
export function leaf(name: string, value: string | number | boolean | undefined): string {
  if (value === undefined) return '';
  const text = String(value);
  return text === '' ? `<${name}/>` : `<${name}>${escapeXml(text)}</${name}>`;
}

/** `<name>…</name>` around already-rendered children. */
export function node(name: string, ...children: string[]): string {
  const inner = children.join('');
  return inner === '' ? `<${name}/>` : `<${name}>${inner}</${name}>`;
}

/** An EC2 list: `<name><item>…</item>…</name>`, or `<name/>` when empty. */
export function itemList(name: string, items: readonly string[]): string {
  return node(name, ...items.map((i) => `<item>${i}</item>`));
}

function headers(requestId: string): Record<string, string> {
  return { 'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': requestId, server: 'AmazonEC2' };
}

/** A successful `<ActionResponse>`; the request id goes in the body and in `x-amzn-requestid`. */
export function actionResponse(action: string, requestId: string, body: string): SimResponse {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${EC2_NAMESPACE}">${leaf('requestId', requestId)}${body}</${action}Response>`;
  return { status: 200, headers: headers(requestId), body: xml };
}

/** EC2's error document: `<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>`. */
export function errorResponse(err: Ec2ApiError, requestId: string): SimResponse {
  const error = node('Error', leaf('Code', err.code), leaf('Message', err.message));
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n${node('Response', node('Errors', error), leaf('RequestID', requestId))}`;
  return { status: err.status, headers: headers(requestId), body: xml };
}
