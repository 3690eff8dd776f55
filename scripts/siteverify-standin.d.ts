export declare const DUMMY_SECRETS: { pass: string; fail: string; spent: string };
export declare function siteverify(fields: Record<string, unknown>, now?: Date): Record<string, unknown>;
declare const standin: { fetch(request: Request): Promise<Response> };
export default standin;
