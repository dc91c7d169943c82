"""The engine's HTTP side: the JSON API and the wallboard, on one listening socket."""
