// The UI's pages, one per route.
export { SignIn, signInErrorMessage } from './SignIn.js';
export { Dashboard } from './Dashboard.js';
export { Projects } from './Projects.js';
export { ProjectDetail } from './ProjectDetail.js';
export { Sessions } from './Sessions.js';
export { SessionDetail } from './SessionDetail.js';
export { Events } from './Events.js';
export { EventDetail } from './EventDetail.js';
export { NotFound } from './NotFound.js';
