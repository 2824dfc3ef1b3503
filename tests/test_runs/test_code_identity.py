"""The content hash behind a run's code and a snapshot's key: the
package's Python files and config files, the same wherever the checkout
lies."""
import shutil

from focal_iou_mmdet.runs.code_identity import code_hash


def _package(tmp_path, name='pkg'):
    root = tmp_path / name
    (root / 'sub').mkdir(parents=True)
    (root / 'a.py').write_text('A = 1\n')
    (root / 'sub' / 'b.py').write_text('B = 2\n')
    (root / 'notes.txt').write_text('not code\n')
    return root


def test_an_edit_changes_the_hash_and_a_move_does_not(tmp_path):
    root = _package(tmp_path)
    before = code_hash(package_dir=str(root))
    moved = tmp_path / 'elsewhere with space'
    shutil.copytree(root, moved)
    assert code_hash(package_dir=str(moved)) == before
    (root / 'notes.txt').write_text('edited, but not code\n')
    assert code_hash(package_dir=str(root)) == before
    (root / 'sub' / 'b.py').write_text('B = 3\n')
    assert code_hash(package_dir=str(root)) != before


def test_the_configs_count(tmp_path):
    root = _package(tmp_path)
    cfg = tmp_path / 'x.py'
    cfg.write_text('lr = 0.1\n')
    with_cfg = code_hash([str(cfg)], package_dir=str(root))
    assert with_cfg != code_hash(package_dir=str(root))
    cfg.write_text('lr = 0.2\n')
    assert code_hash([str(cfg)], package_dir=str(root)) != with_cfg

