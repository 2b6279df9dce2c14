/** The command an empty page suggests to a new user (examples/hello ships with Whisker). */
export const DEPLOY_COMMAND = 'whisker deploy examples/hello';
