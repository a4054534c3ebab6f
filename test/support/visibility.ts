import type { Knex } from 'knex';
import type { Agent } from './agent.js';
import { createMember } from './factories.js';
import { makeFriends } from './friends.js';
import { postDiary } from './diaries.js';
import { jpeg } from './images.js';

// SECURITY 25: the viewer × diary visibility matrix, shared by the PC and the mobile walks.

// 'group': shown to one friend group of the owner's (friend_groups), which holds 'group friend' only.
export const LEVELS = ['members', 'friends_of_friends', 'friends', 'only_me', 'group'] as const;
export type Level = (typeof LEVELS)[number];
export type Viewer =
  | 'logged out'
  | 'stranger'
  | 'friend'
  | 'group friend'
  | 'friend of friend'
  | 'blocked'
  | 'suspended'
  | 'owner'
  | 'moderator';
export const VIEWERS: Viewer[] = [
  'logged out',
  'stranger',
  'friend',
  'group friend',
  'friend of friend',
  'blocked',
  'suspended',
  'owner',
  'moderator',
];
/** Viewers who are the owner's friends (they see the owner's diaries in friends' latest and on home). */
export const FRIEND_VIEWERS: Viewer[] = ['friend', 'group friend'];
export const VISIBILITY_GROUP = '見せるグループ';

/** Who may see a diary of each level. */
export const MAY_SEE: Record<Level, Viewer[]> = {
  members: ['stranger', 'friend', 'group friend', 'friend of friend', 'owner', 'moderator'],
  friends_of_friends: ['friend', 'group friend', 'friend of friend', 'owner'],
  friends: ['friend', 'group friend', 'owner'],
  only_me: ['owner'],
  group: ['group friend', 'owner'],
};

type Member = Awaited<ReturnType<typeof createMember>>;

/** The owner and one member for each kind of viewer, related as the names say (suspend `suspended` after logging in). */
export async function visibilityWorld(
  db: Knex,
): Promise<{ owner: Member; viewers: [Exclude<Viewer, 'logged out'>, Member][] }> {
  const owner = await createMember(db, { nickname: '日記の主' });
  const [friend, fof, stranger, blocked, suspended] = [
    await createMember(db),
    await createMember(db),
    await createMember(db),
    await createMember(db),
    await createMember(db),
  ];
  const moderator = await createMember(db, { role: 'moderator' });
  const groupFriend = await createMember(db);
  await makeFriends(db, owner.id, friend.id);
  await makeFriends(db, owner.id, groupFriend.id);
  const [group] = await db('friend_groups').insert({ owner_id: owner.id, name: VISIBILITY_GROUP }).returning('id');
  await db('friend_group_members').insert({ group_id: group.id, owner_id: owner.id, member_id: groupFriend.id });
  await makeFriends(db, friend.id, fof.id);
  await db('blocks').insert({ blocker_id: owner.id, blocked_id: blocked.id });
  return {
    owner,
    viewers: [
      ['owner', owner],
      ['stranger', stranger],
      ['friend', friend],
      ['group friend', groupFriend],
      ['friend of friend', fof],
      ['blocked', blocked],
      ['suspended', suspended],
      ['moderator', moderator],
    ],
  };
}

/** One diary of each level with a photo, posted by the owner's browser. */
export async function postDiaryPerLevel(
  owner: Agent,
  db: Knex,
  titlePrefix = '日記',
  fields: Record<string, string> = {},
) {
  const diaries: { level: Level; id: number; title: string; photoId: number }[] = [];
  for (const level of LEVELS) {
    const title = `${titlePrefix}[${level}]`;
    const group =
      level === 'group' ? await db('friend_groups').select('id').where({ name: VISIBILITY_GROUP }).first() : undefined;
    const res = await postDiary(
      owner,
      { title, body: `${level} の本文`, visibility: group ? `group:${group.id}` : level, ...fields },
      [await jpeg(200, 200)],
    );
    const id = Number(/\/diaries\/(\d+)/.exec(res.location!)![1]);
    const photo = await db('diary_photos').select('photo_id').where({ diary_id: id }).first();
    diaries.push({ level, id, title, photoId: photo.photo_id });
  }
  return diaries;
}
