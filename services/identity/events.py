"""The events identity publishes (documented in docs/events.md, schemas in docs/schemas/)."""

ANNOUNCEMENT_PUBLISHED = "identity.announcement.published"
