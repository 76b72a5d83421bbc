"""Opens hemoflow XDMF files with ParaView and checks what it reads.

usage: pvpython tools/check_paraview.py FILE.xdmf [FILE.wall.xdmf ...]

For each file: ParaView's XDMF reader loads every time step; the data has cells, and the cell
arrays a hemoflow file declares (volume: cell_kind, pressure, velocity; wall: wss,
wall_pressure, and tawss, osi, rrt for the cycles) are there with finite ranges. Exit 0 when
all files pass, 1 with a message naming the file otherwise.
"""
import math
import sys

from paraview.simple import XDMFReader, UpdatePipeline  # noqa: E402 (pvpython only)


def blocks(data):
    """The leaf datasets of a (possibly composite) dataset."""
    if data.IsA("vtkCompositeDataSet"):
        it = data.NewIterator()
        it.InitTraversal()
        while not it.IsDoneWithTraversal():
            yield it.GetCurrentDataObject()
            it.GoToNextItem()
    else:
        yield data


def check(path):
    reader = XDMFReader(FileNames=[path])
    reader.UpdatePipelineInformation()
    times = list(reader.TimestepValues) or [0.0]
    arrays = set()
    cells = 0
    for t in times:
        UpdatePipeline(time=t, proxy=reader)
        data = reader.GetClientSideObject().GetOutputDataObject(0)
        for block in blocks(data):
            cells = max(cells, block.GetNumberOfCells())
            cd = block.GetCellData()
            for i in range(cd.GetNumberOfArrays()):
                a = cd.GetArray(i)
                lo, hi = a.GetRange(-1)
                if a.GetName() != "rrt" and not (math.isfinite(lo) and math.isfinite(hi)):
                    raise SystemExit(f"check_paraview: {path}: array {a.GetName()} at t = {t} has range {lo}..{hi}")
                arrays.add(a.GetName())
    wall = path.endswith(".wall.xdmf")
    want = {"wss", "wall_pressure"} if wall else {"cell_kind", "pressure", "velocity"}
    if cells == 0 or not want <= arrays:
        raise SystemExit(f"check_paraview: {path}: {cells} cells, arrays {sorted(arrays)}; expected {sorted(want)}")
    print(f"{path}: ParaView reads {len(times)} time step(s), {cells} cells, arrays {', '.join(sorted(arrays))}")


for p in sys.argv[1:]:
    check(p)
