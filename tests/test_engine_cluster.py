"""`--engine ray` on a two-node Ray cluster on this machine (ray.cluster_utils.Cluster: a head and a second node,
one CPU each, as separate raylets): the index of a tiny timm Mixer, and the embedded model's predictions and
accuracies under the corruptions, equal the local engine's."""
import json

import pytest
import ray
from ray.cluster_utils import Cluster

from explorer.atlas import build_atlas
from explorer.cli import main
from explorer.engine import EngineOptions, ray_session
from explorer.units.index import index_folder
from test_engine import tiny_mixer, write_classes, write_folder
from test_partial import same_index


@pytest.fixture(scope="module")
def two_nodes():
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "object_store_memory": 150 * 2**20,
                                                            "include_dashboard": False})
    cluster.add_node(num_cpus=1, object_store_memory=150 * 2**20)
    ray.init(address=cluster.address, log_to_driver=False)
    cluster.wait_for_nodes()
    yield cluster
    ray.shutdown()
    cluster.shutdown()


def test_index_and_predict_on_two_nodes_equal_the_local_engine(two_nodes, tmp_path, capsys):
    assert len([n for n in ray.nodes() if n["Alive"]]) == 2
    folder = write_folder(tmp_path / "images", 30, seed=2)
    loaded = tiny_mixer()
    with ray_session(EngineOptions()):
        on_ray = build_atlas(loaded, folder, tmp_path / "atlas.safetensors", 4, EngineOptions(workers=2, batch_size=4),
                             shard_size=8)
    same_index(on_ray, index_folder(loaded, folder, top_k=4, batch_size=4))

    args = ["predict", str(folder), "--model", "embedded", "--json", "--batch-size", "4"]
    assert main(args) == 1
    local = capsys.readouterr().out.splitlines()
    assert main([*args, "--engine", "ray", "--workers", "2"]) == 1
    assert capsys.readouterr().out.splitlines() == local and len(local) == 32
    assert sum("error" in json.loads(line) for line in local) == 2


def test_shift_on_two_nodes_equals_the_local_engine(two_nodes, tmp_path, capsys):
    classes = write_classes(tmp_path / "classes", 3, seed=1)
    args = ["shift", str(classes), "--model", "embedded", "--json", "--batch-size", "4", "--severities", "2,4"]
    assert main(args) == 0
    local = json.loads(capsys.readouterr().out)
    assert main([*args, "--engine", "ray", "--workers", "2"]) == 0
    assert json.loads(capsys.readouterr().out) == local and local["images"] == 12
