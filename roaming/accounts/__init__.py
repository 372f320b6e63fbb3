"""Who may log in: node staff and member people; browser sessions, API tokens, OpenID Connect."""
