import { lstatSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Why this database must not be written here, or null: it sits in a LiteFS
 * mount whose `.primary` file says this node is a replica (LiteFS writes the
 * file, holding the primary's name, on replicas only, and removes it when the
 * node becomes primary; https://fly.io/docs/litefs/primary/). A write on a
 * replica fails at best and forks the replicated history at worst, so driftd
 * checks such a database and never repairs or reconciles it. One `lstat`.
 */
export function replicaHold(database: string): string | null {
  const marker = join(dirname(database), '.primary');
  try {
    lstatSync(marker);
  } catch {
    return null;
  }
  return `replica: "${marker}" exists, so this node is a LiteFS replica; repairs are held (run driftd on the primary, or wait for this node to become primary)`;
}
