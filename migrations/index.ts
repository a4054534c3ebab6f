import type { Knex } from 'knex';
import * as m001 from './001_verified_phones.js';
import * as m002 from './002_members.js';
import * as m003 from './003_sessions.js';
import * as m004 from './004_phone_verifications.js';
import * as m005 from './005_sms_messages.js';
import * as m006 from './006_rate_limits.js';
import * as m007 from './007_blocks.js';
import * as m008 from './008_friend_requests.js';
import * as m009 from './009_friendships.js';
import * as m010 from './010_introductions.js';
import * as m010b from './010b_profiles.js';
import * as m011 from './011_photos.js';
import * as m011b from './011b_profile_photos.js';
import * as m012 from './012_footprints.js';
import * as m013 from './013_diaries.js';
import * as m014 from './014_diary_comments.js';
import * as m015 from './015_diary_photos.js';
import * as m016 from './016_external_feeds.js';
import * as m017 from './017_external_entries.js';
import * as m018 from './018_external_blog_visibility.js';
import * as m020 from './020_communities.js';
import * as m021 from './021_community_members.js';
import * as m022 from './022_community_join_requests.js';
import * as m023 from './023_community_bans.js';
import * as m024 from './024_community_role_offers.js';
import * as m025 from './025_community_topics.js';
import * as m026 from './026_community_post_photos.js';
import * as m027 from './027_community_events.js';
import * as m030 from './030_messages.js';
import * as m031 from './031_message_copies.js';
import * as m032 from './032_message_unread_idx.js';
import * as m035 from './035_site_notices.js';
import * as m040 from './040_diary_hiding.js';
import * as m041 from './041_community_hiding.js';
import * as m042 from './042_message_hiding.js';
import * as m043 from './043_member_suspensions.js';
import * as m044 from './044_reports.js';
import * as m045 from './045_audit_log.js';
import * as m046 from './046_members_created_idx.js';
import * as m050 from './050_photos_owner_recent_idx.js';
import * as m051 from './051_member_relationship_plpgsql.js';
import * as m052 from './052_community_managers_idx.js';
import * as m053 from './053_diaries_author_created_visibility_idx.js';
import * as m060 from './060_friend_count_trigger.js';
import * as m061 from './061_members_created_at_immutable.js';
import * as m063 from './063_search_fold.js';
import * as m064 from './064_members_nickname_search.js';
import * as m065 from './065_friend_request_declined_at.js';
import * as m066 from './066_members_last_seen_at.js';
import * as m067 from './067_members_show_last_login.js';
import * as m068 from './068_diaries_id_author_key.js';
import * as m069 from './069_diary_comments_diary_author.js';
import * as m070 from './070_member_keys_with_member_id.js';
import * as m071 from './071_community_topics_search_text.js';
import * as m072 from './072_community_activity.js';
import * as m073 from './073_site_settings.js';
import * as m074 from './074_invitations.js';
import * as m075 from './075_diaries_published_at.js';
import * as m076 from './076_diaries_author_idx_split_drafts.js';
import * as m077 from './077_friend_groups.js';
import * as m078 from './078_diaries_audience_group.js';
import * as m079 from './079_albums.js';
import * as m080 from './080_album_comments.js';
import * as m081 from './081_albums_audience_group.js';
import * as m082 from './082_profiles_audience_groups.js';
import * as m083 from './083_album_hiding.js';
import * as m084 from './084_reports_album_targets.js';
import * as m085 from './085_diary_reads_behind.js';
import * as m086 from './086_diary_reads_behind_idx.js';
import * as m087 from './087_friendships_hide_updates.js';
import * as m088 from './088_footprint_milestones.js';
import * as m090 from './090_footprint_milestones_dismissed.js';

type Migration = { up: (knex: Knex) => Promise<void>; down: (knex: Knex) => Promise<void> };

// The ordered list of migrations. An explicit list (rather than a folder scan) works the same
// from TypeScript sources under tsx and from the compiled dist/ build.
export const migrations: [string, Migration][] = [
  ['001_verified_phones', m001],
  ['002_members', m002],
  ['003_sessions', m003],
  ['004_phone_verifications', m004],
  ['005_sms_messages', m005],
  ['006_rate_limits', m006],
  ['007_blocks', m007],
  ['008_friend_requests', m008],
  ['009_friendships', m009],
  ['010_introductions', m010],
  ['010b_profiles', m010b],
  ['011_photos', m011],
  ['011b_profile_photos', m011b],
  ['012_footprints', m012],
  ['013_diaries', m013],
  ['014_diary_comments', m014],
  ['015_diary_photos', m015],
  ['016_external_feeds', m016],
  ['017_external_entries', m017],
  ['018_external_blog_visibility', m018],
  ['020_communities', m020],
  ['021_community_members', m021],
  ['022_community_join_requests', m022],
  ['023_community_bans', m023],
  ['024_community_role_offers', m024],
  ['025_community_topics', m025],
  ['026_community_post_photos', m026],
  ['027_community_events', m027],
  ['030_messages', m030],
  ['031_message_copies', m031],
  ['032_message_unread_idx', m032],
  ['035_site_notices', m035],
  ['040_diary_hiding', m040],
  ['041_community_hiding', m041],
  ['042_message_hiding', m042],
  ['043_member_suspensions', m043],
  ['044_reports', m044],
  ['045_audit_log', m045],
  ['046_members_created_idx', m046],
  ['050_photos_owner_recent_idx', m050],
  ['051_member_relationship_plpgsql', m051],
  ['052_community_managers_idx', m052],
  ['053_diaries_author_created_visibility_idx', m053],
  ['060_friend_count_trigger', m060],
  ['061_members_created_at_immutable', m061],
  ['063_search_fold', m063],
  ['064_members_nickname_search', m064],
  ['065_friend_request_declined_at', m065],
  ['066_members_last_seen_at', m066],
  ['067_members_show_last_login', m067],
  ['068_diaries_id_author_key', m068],
  ['069_diary_comments_diary_author', m069],
  ['070_member_keys_with_member_id', m070],
  ['071_community_topics_search_text', m071],
  ['072_community_activity', m072],
  ['073_site_settings', m073],
  ['074_invitations', m074],
  ['075_diaries_published_at', m075],
  ['076_diaries_author_idx_split_drafts', m076],
  ['077_friend_groups', m077],
  ['078_diaries_audience_group', m078],
  ['079_albums', m079],
  ['080_album_comments', m080],
  ['081_albums_audience_group', m081],
  ['082_profiles_audience_groups', m082],
  ['083_album_hiding', m083],
  ['084_reports_album_targets', m084],
  ['085_diary_reads_behind', m085],
  ['086_diary_reads_behind_idx', m086],
  ['087_friendships_hide_updates', m087],
  ['088_footprint_milestones', m088],
  ['090_footprint_milestones_dismissed', m090],
];
