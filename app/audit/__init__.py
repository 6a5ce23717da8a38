"""Audit proofs: the Merkle tree over the events, signed checkpoints, proofs and evidence packages."""
