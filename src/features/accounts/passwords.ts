import argon2 from 'argon2';
import type { Config } from '../../config.js';

// argon2id with the configured cost (library defaults: 64 MiB, t=3). Raising the cost in the
// configuration re-hashes each password at its owner's next login.

export type PasswordHasher = {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
  needsRehash(hash: string): boolean;
  /** Spends the same time as a real verification, for logins with an unknown number. */
  verifyDummy(password: string): Promise<void>;
};

export function createPasswordHasher(config: Config): PasswordHasher {
  const options = {
    type: argon2.argon2id,
    memoryCost: config.argon2.memoryCost,
    timeCost: config.argon2.timeCost,
    parallelism: 1,
  } as const;
  let dummy: Promise<string> | null = null;
  return {
    hash: (password) => argon2.hash(password, options),
    verify: async (hash, password) => {
      try {
        return await argon2.verify(hash, password);
      } catch {
        return false;
      }
    },
    needsRehash: (hash) =>
      argon2.needsRehash(hash, {
        memoryCost: options.memoryCost,
        timeCost: options.timeCost,
        parallelism: options.parallelism,
      }),
    verifyDummy: async (password) => {
      dummy ??= argon2.hash('ashiato-dummy-password-for-timing', options);
      await argon2.verify(await dummy, password).catch(() => false);
    },
  };
}
