"""Indexing beyond one machine: `qa index --ray` reads, splits and embeds on a Ray cluster and
writes the same store as without it (docs/ray.md). `ray_cluster` connects, `ray_index` runs the
stages, `ray_embed` embeds in the calls the local path makes, `ray_checkpoint` lets an
interrupted run resume. Vectors in Milvus are a storage backend and live in `qa/index/milvus/`.
"""

from qa.scale.ray_cluster import RayCluster, connected, require_ray
from qa.scale.ray_index import RayIndexing

__all__ = ["RayCluster", "RayIndexing", "connected", "require_ray"]
