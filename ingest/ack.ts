/** The end-to-end ack's format lives in contracts/ack.ts (the edge reads it too). */
export { ACK_MAX_IDS, type AckMessage, encodeAck, parseAck } from '../contracts/ack.js';
