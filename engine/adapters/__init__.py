"""Translation at the edges: AMI and ARI on the wire in, typed events out; typed commands in, wire out."""
