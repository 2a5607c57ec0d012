/** What the safety rules need to know about how the application uses its database. */
export interface SafetyContext {
  /**
   * Whether the application enforces foreign keys (`PRAGMA foreign_keys=ON`).
   * driftd cannot see the application's connections, so the default is the
   * conservative `true`.
   */
  readonly foreignKeysEnforced: boolean;
}

export const DEFAULT_SAFETY_CONTEXT: SafetyContext = { foreignKeysEnforced: true };

export interface SafetyVerdict {
  readonly safe: boolean;
  /** One line: why it is repaired automatically, or why it is not. */
  readonly reason: string;
}
