"""A resident's own profile: the display name neighbors see and the avatar."""
