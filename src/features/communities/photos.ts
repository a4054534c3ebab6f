import { registerPhotoAccess } from '../photos/access.js';
import { mayViewCommunityPhoto, mayViewPostPhoto } from './board-queries.js';

// Who may see a community's photos: its own photo, every member; a topic's or a comment's photo,
// whoever may see that post on the board (the same SQL as the pages).
registerPhotoAccess('community', mayViewCommunityPhoto);
registerPhotoAccess('topic', mayViewPostPhoto);
registerPhotoAccess('topic_comment', mayViewPostPhoto);
