"""calsnack: calendar invitations at industrial scale (the shared domain layer)."""
