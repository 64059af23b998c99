"""signoff: multi-party sign-off of a PCC's statutory response to an HMICFRS inspection."""
