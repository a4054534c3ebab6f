import { z } from 'zod';

const MESSAGE = 'validation.footprints.milestone';
const MAX = 100_000_000;

/** The member's own キリ番 (CONTEXT.md, "Milestones"): a whole number (full-width digits and commas taken), or empty to clear it. */
export const FootprintMilestoneForm = z.object({
  milestone: z
    .string({ message: MESSAGE })
    .transform((v) =>
      v
        .trim()
        .replace(/[,，]/g, '')
        .replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0)),
    )
    .refine((v) => v === '' || (/^\d{1,9}$/.test(v) && Number(v) >= 1 && Number(v) <= MAX), MESSAGE)
    .transform((v) => (v === '' ? null : Number(v))),
});
export type FootprintMilestoneForm = z.infer<typeof FootprintMilestoneForm>;
