"""The ACD at work: PBX events into the pure ACD, its commands out over ARI, its timers on the clock."""
