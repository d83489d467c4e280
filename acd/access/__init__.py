"""Who may use the web: accounts with roles (agent, supervisor, admin) and their passwords."""
