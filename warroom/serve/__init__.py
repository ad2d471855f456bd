"""`warroom serve`: the console in a browser, through textual-serve (token, server)."""
