import { ApiError } from "../../lib/problem";

export function tooLarge(maxBytes: number): ApiError {
  return new ApiError("payload_too_large", `Images may be at most ${maxBytes} bytes.`);
}
