import { LRUCache } from 'lru-cache';
import {
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLError,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';

/**
 * The document texts that passed validation on graphql-ws, so that the same text is not validated twice.
 * Agents send the same few documents over and over (a heartbeat every few seconds each): validating a
 * document against the schema costs more than executing a heartbeat, and the answer depends only on the
 * text, as for Apollo's document store on HTTP.
 *
 * Bounded by the text it holds, not by a count: comments and strings do not count toward the token limit,
 * so one text can be as large as a message (OUTPOST_MAX_REQUEST_BYTES), and 1,000 of them from anonymous
 * sockets pinned about 256 MB. The least recently used texts go first: what agents and consoles send all
 * the time is rarely the oldest, and a flood of one-off texts costs at worst some re-validation, never
 * memory.
 *
 * Only texts that passed are remembered: a failure's errors point into the parsed document, which is many
 * times the size of its text (and legitimate clients do not send the same invalid document repeatedly).
 */
export class ValidatedDocuments {
  private readonly valid: LRUCache<string, true>;

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly rules: readonly ValidationRule[],
    /** Upper bound of the memory the remembered texts take. */
    readonly maxBytes = DEFAULT_MAX_BYTES,
  ) {
    this.valid = new LRUCache<string, true>({
      maxSize: maxBytes,
      // V8 keeps a string in one or two bytes per character: two is the bound.
      sizeCalculation: (_valid, text) => Math.max(1, text.length * 2),
    });
  }

  /** The validation errors of `document` (parsed from `text`); none when it may run. */
  errors(text: string, document: DocumentNode): readonly GraphQLError[] {
    if (this.valid.get(text)) return []; // get, not has: a use makes it recent
    const errors = validate(this.schema, document, [...specifiedRules, ...this.rules]);
    if (errors.length === 0) this.valid.set(text, true);
    return errors;
  }

  /** The memory the remembered texts take, by the same count as `maxBytes`. */
  get bytes(): number {
    return this.valid.calculatedSize;
  }
}

/** Far more than the documents of every agent and console (a few kB each), far less than a flood. */
const DEFAULT_MAX_BYTES = 4 * 1024 * 1024;
