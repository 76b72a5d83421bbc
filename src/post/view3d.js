// hemoflow's interactive 3D view (src/post/view3d.rs writes the data and embeds this script
// after three.js, bundled as the global HEMOFLOW_THREE). Positions are mm about each panel's
// wall centre; the readout gives them in the run's own coordinates (mm). z is up, "front"
// looks along +y, as in `hemoflow render`.
//
// URL parameters after '#', e.g. index.html#field=tawss&view=back: field (a field's name),
// view (iso, front, back, left, right, top, bottom), frame (index), slice (x, y or z) and at
// (its position, mm), hover=centre (show the readout at the wall point nearest the middle),
// selftest (the tests' check: see selfTest at the end). Where the URL is silent, data.start
// (the field, the slice) and then the defaults apply.
(function () {
  'use strict';
  const T = HEMOFLOW_THREE;
  const root = document.getElementById('view3d');
  const data = JSON.parse(document.getElementById('view3d-data').textContent);
  const params = new URLSearchParams(location.hash.slice(1));
  const selftest = params.has('selftest');
  T.ColorManagement.enabled = false;

  const bytes = (b64) => {
    const s = atob(b64);
    const a = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) a[i] = s.charCodeAt(i);
    return a;
  };
  const f32 = (b64) => new Float32Array(bytes(b64).buffer);
  const u32 = (b64) => new Uint32Array(bytes(b64).buffer);
  const u16 = (b64) => new Uint16Array(bytes(b64).buffer);
  const decode = (q, lo, hi) => (q === 65535 ? NaN : lo + (q / 65534) * (hi - lo));

  // The pictures' colour map (sRGB bytes at nine points), linear in between.
  function colour(t, out, at) {
    let c;
    if (Number.isNaN(t)) {
      c = data.missing.map((x) => x / 255);
    } else {
      const x = Math.min(Math.max(t, 0), 1) * 8;
      const i = Math.min(Math.floor(x), 7);
      const f = x - i;
      const a = data.colormap[i];
      const b = data.colormap[i + 1];
      c = [0, 1, 2].map((k) => (a[k] + (b[k] - a[k]) * f) / 255);
    }
    out[at] = c[0];
    out[at + 1] = c[1];
    out[at + 2] = c[2];
  }
  const position = (v, [lo, hi]) => (hi > lo ? (v - lo) / (hi - lo) : 0.5);
  const fmt = (v) => {
    if (!Number.isFinite(v)) return 'no value';
    const a = Math.abs(v);
    return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : v.toPrecision(4);
  };

  // ---- the page's parts -------------------------------------------------------------------
  const style = document.createElement('style');
  style.textContent =
    '.view3d{margin:1em 0 2em}.v3-bar{display:flex;flex-wrap:wrap;gap:.5em 1em;align-items:center;' +
    'margin:.5em 0}.v3-bar label{white-space:nowrap}.v3-panels{display:grid;gap:.6em;' +
    'grid-template-columns:repeat(auto-fit,minmax(320px,1fr))}.v3-panel{position:relative;' +
    'border:1px solid #ccc;background:#fff;height:min(70vh,640px);touch-action:none;overflow:hidden}' +
    '.v3-panel canvas{display:block;width:100%;height:100%}.v3-title{position:absolute;left:.5em;' +
    'top:.3em;font-weight:600;pointer-events:none}.v3-cap{position:absolute;font-size:.8em;' +
    'background:rgba(255,255,255,.8);border:1px solid #999;border-radius:3px;padding:0 .3em;' +
    'pointer-events:none;white-space:nowrap;transform:translate(-50%,-50%)}.v3-read{position:absolute;' +
    'left:.5em;bottom:.4em;background:rgba(255,255,255,.9);padding:.15em .4em;border:1px solid #bbb;' +
    'font-variant-numeric:tabular-nums;pointer-events:none}.v3-legend{display:flex;gap:2em;' +
    'flex-wrap:wrap;margin:.4em 0}.v3-legend canvas{width:260px;height:14px;border:1px solid #999;' +
    'display:block}.v3-ticks{display:flex;justify-content:space-between;width:262px;font-size:.85em;' +
    'font-variant-numeric:tabular-nums}.v3-help{color:#555;font-size:.9em}.v3-mark{position:absolute;' +
    'width:14px;height:14px;margin:-8px 0 0 -8px;border:2px solid #e00;border-radius:50%;pointer-events:none}';
  document.head.appendChild(style);
  const el = (tag, attrs, parent) => {
    const e = document.createElement(tag);
    Object.assign(e, attrs || {});
    if (parent) parent.appendChild(e);
    return e;
  };
  // Without WebGL 2 (switched off by a browser's settings or policy, or a browser from before
  // 2021), a note in place of the view: the pictures below show the same fields.
  if (!document.createElement('canvas').getContext('webgl2')) {
    const note = el(
      'p',
      {
        className: 'note',
        id: 'v3-no-webgl',
        textContent:
          'This browser cannot show the 3D view: WebGL 2 is switched off or missing (in Chrome or Edge: ' +
          'Settings, System, "Use graphics acceleration when available"). The pictures below show the same ' +
          'fields.',
      },
      root
    );
    if (selftest) {
      const result = { errors: (window.HEMOFLOW_ERRORS || []).slice(), webgl: null, fallback: note.textContent };
      el('pre', { id: 'selftest', textContent: JSON.stringify(result) }, document.body);
    }
    return;
  }
  const bar = el('div', { className: 'v3-bar' }, root);
  const labelled = (text, control) => {
    const l = el('label', { textContent: text + ' ' }, bar);
    l.appendChild(control);
    return control;
  };
  // Fields by name, in the order of the first panel that has them.
  const fieldNames = [];
  for (const p of data.panels) for (const f of p.fields) if (!fieldNames.includes(f.name)) fieldNames.push(f.name);
  const fieldOf = (panel, name) => panel.fields.find((f) => f.name === name);
  const fieldSelect = labelled('Colour the wall by', el('select', { id: 'v3-field' }));
  for (const name of fieldNames) {
    const f = data.panels.map((p) => fieldOf(p, name)).find((x) => x);
    el('option', { value: name, textContent: f.label }, fieldSelect);
  }
  const frameSlider = labelled('Time', el('input', { type: 'range', id: 'v3-frame', min: 0, step: 1 }));
  const frameText = el('span', { id: 'v3-when' }, bar);
  const play = el('button', { type: 'button', id: 'v3-play', textContent: 'Play' }, bar);
  const viewSelect = labelled('View', el('select', { id: 'v3-view' }));
  for (const v of ['iso', 'front', 'back', 'left', 'right', 'top', 'bottom']) {
    el('option', { value: v, textContent: v }, viewSelect);
  }
  const reset = el('button', { type: 'button', id: 'v3-reset', textContent: 'Reset view' }, bar);
  const sliceAxis = labelled('Speed slice', el('select', { id: 'v3-slice' }));
  for (const [v, t] of [['', 'off'], ['x', 'x (normal)'], ['y', 'y (normal)'], ['z', 'z (normal)']]) {
    el('option', { value: v, textContent: t }, sliceAxis);
  }
  const sliceAt = labelled('at', el('input', { type: 'range', id: 'v3-at' }));
  const sliceText = el('span', { id: 'v3-at-text' }, bar);
  const hasCells = data.panels.some((p) => p.cells);
  if (!hasCells) sliceAxis.parentNode.style.display = sliceAt.parentNode.style.display = 'none';
  const legend = el('div', { className: 'v3-legend' }, root);
  const panelsBox = el('div', { className: 'v3-panels' }, root);
  const legendBar = (id) => {
    const box = el('div', { id }, legend);
    const title = el('div', {}, box);
    const canvas = el('canvas', { width: 256, height: 1 }, box);
    const ctx = canvas.getContext('2d');
    const img = ctx.createImageData(256, 1);
    const c = new Float32Array(3);
    for (let i = 0; i < 256; i++) {
      colour(i / 255, c, 0);
      img.data.set([c[0] * 255, c[1] * 255, c[2] * 255, 255].map(Math.round), 4 * i);
    }
    ctx.putImageData(img, 0, 0);
    const ticks = el('div', { className: 'v3-ticks' }, box);
    const set = (text, [lo, hi]) => {
      title.textContent = text;
      ticks.replaceChildren(...[lo, (lo + hi) / 2, hi].map((v) => el('span', { textContent: fmt(v) })));
    };
    return { box, canvas, set };
  };
  const wallLegend = legendBar('v3-legend-wall');
  const speedLegend = legendBar('v3-legend-speed');
  el(
    'p',
    {
      className: 'v3-help',
      textContent:
        'Drag to turn the vessel, right-drag (or two fingers, or shift-drag) to move it, wheel or pinch to ' +
        'zoom; point at the wall (or tap it) to read the value there. ' +
        (data.linked ? 'The views turn together; both use one colour range. ' : '') +
        'The PNG pictures below show the same fields for print and e-mail.',
    },
    root
  );

  // ---- one panel per run --------------------------------------------------------------------
  const raycaster = new T.Raycaster();
  const panels = data.panels.map((d) => makePanel(d));
  let syncing = false;

  function makePanel(d) {
    const box = el('div', { className: 'v3-panel' }, panelsBox);
    const renderer = new T.WebGLRenderer({ antialias: true, preserveDrawingBuffer: selftest });
    renderer.outputColorSpace = T.LinearSRGBColorSpace;
    renderer.setClearColor(0xffffff, 1);
    box.appendChild(renderer.domElement);
    if (data.panels.length > 1) el('div', { className: 'v3-title', textContent: d.title }, box);
    const read = el('div', { className: 'v3-read', textContent: 'Point at the wall to read its value.' }, box);
    const mark = el('div', { className: 'v3-mark' }, box);
    mark.style.display = 'none';
    const scene = new T.Scene();
    const camera = new T.PerspectiveCamera(30, 1, 0.1, 1e5);
    camera.up.set(0, 0, 1);
    scene.add(camera);
    scene.add(new T.AmbientLight(0xffffff, 1.9));
    const light = new T.DirectionalLight(0xffffff, 1.5);
    light.position.set(0.3, 0.5, 1);
    camera.add(light);
    // The wall: one colour per triangle, so three corners each.
    const v = f32(d.vertices);
    const tris = u32(d.triangles);
    const m = tris.length / 3;
    const pos = new Float32Array(9 * m);
    for (let t = 0; t < m; t++) {
      for (let k = 0; k < 3; k++) pos.set(v.subarray(3 * tris[3 * t + k], 3 * tris[3 * t + k] + 3), 9 * t + 3 * k);
    }
    const geometry = new T.BufferGeometry();
    geometry.setAttribute('position', new T.BufferAttribute(pos, 3));
    geometry.setAttribute('color', new T.BufferAttribute(new Float32Array(9 * m), 3));
    geometry.computeVertexNormals();
    geometry.computeBoundingSphere();
    const material = new T.MeshLambertMaterial({ vertexColors: true, side: T.DoubleSide });
    const wall = new T.Mesh(geometry, material);
    scene.add(wall);
    if (d.outline) {
      // The outline: the edges a marked triangle shares with an unmarked one, so the marked part
      // of the wall keeps its colours inside its red border.
      // Edges are matched by their ends' positions (to 0.1 um), as parts of a wall may have their
      // own vertices along a seam; an edge on one triangle only (a seam with T-junctions, as a
      // deployed stent's) is no border.
      const mark = bytes(d.outline);
      const sides = new Map();
      const at = (i) => [0, 1, 2].map((c) => Math.round(v[3 * i + c] * 1e4)).join(',');
      for (let t = 0; t < m; t++) {
        for (let k = 0; k < 3; k++) {
          const a = tris[3 * t + k];
          const b = tris[3 * t + ((k + 1) % 3)];
          const [pa, pb] = [at(a), at(b)];
          const key = pa < pb ? pa + ';' + pb : pb + ';' + pa;
          const e = sides.get(key) || { a, b, marked: 0, all: 0 };
          e.marked += mark[t];
          e.all += 1;
          sides.set(key, e);
        }
      }
      const edges = [];
      for (const e of sides.values()) {
        if (e.marked > 0 && e.marked < e.all) edges.push(...v.subarray(3 * e.a, 3 * e.a + 3), ...v.subarray(3 * e.b, 3 * e.b + 3));
      }
      const g = new T.BufferGeometry();
      g.setAttribute('position', new T.BufferAttribute(new Float32Array(edges), 3));
      scene.add(new T.LineSegments(g, new T.LineBasicMaterial({ color: 0xd01010 })));
      box.dataset.outlined = Array.from(mark).reduce((x, y) => x + y, 0);
      box.dataset.outline_edges = edges.length / 6;
    }
    const caps = d.caps.map((c) => ({ at: new T.Vector3(...c.at), label: el('div', { className: 'v3-cap', textContent: c.name }, box) }));
    const controls = new T.OrbitControls(camera, renderer.domElement);
    controls.screenSpacePanning = true;
    const cells = d.cells && {
      ...d.cells,
      ijk: u16(d.cells.ijk),
      speed: Array.from(u16(d.cells.speed), (q) => decode(q, d.cells.lo, d.cells.hi)),
    };
    const panel = { d, box, renderer, scene, camera, controls, wall, geometry, caps, read, mark, cells, slice: null, values: null };
    controls.addEventListener('change', () => {
      if (syncing) return;
      if (data.linked) {
        syncing = true;
        for (const other of panels) {
          if (other === panel) continue;
          other.camera.position.copy(camera.position);
          other.camera.quaternion.copy(camera.quaternion);
          other.controls.target.copy(controls.target);
          other.controls.update();
          draw(other);
        }
        syncing = false;
      }
      draw(panel);
    });
    renderer.domElement.addEventListener('pointermove', (e) => hover(panel, e.clientX, e.clientY));
    renderer.domElement.addEventListener('pointerdown', (e) => {
      if (e.pointerType !== 'mouse') hover(panel, e.clientX, e.clientY);
    });
    return panel;
  }

  // ---- state ---------------------------------------------------------------------------------
  const start = data.start || {};
  const startSlice = start.slice ? 'xyz'[start.slice[0]] : '';
  const state = {
    field: [params.get('field'), start.field].find((f) => fieldNames.includes(f)) || fieldNames[0],
    frame: params.has('frame') ? Math.max(Math.floor(Number(params.get('frame'))) || 0, 0) : null,
    view: params.get('view') || 'iso',
    slice: ['x', 'y', 'z'].includes(params.get('slice')) ? params.get('slice') : startSlice,
    // The slice's position along its axis, mm in the run's coordinates.
    at: params.has('at') ? Number(params.get('at')) : start.slice ? start.slice[1] * 1e3 : NaN,
  };
  // Along axis a, where the panels' grids reach (mm) and their finest cell.
  function extent(a) {
    let lo = Infinity;
    let hi = -Infinity;
    let step = Infinity;
    for (const p of panels) {
      const c = p.cells;
      if (!c) continue;
      const o = p.d.centre[a] * 1e3 + c.origin[a];
      lo = Math.min(lo, o);
      hi = Math.max(hi, o + c.dims[a] * c.spacing);
      step = Math.min(step, c.spacing);
    }
    return [lo, hi, step];
  }
  const frameCount = () => Math.max(...panels.map((p) => (fieldOf(p.d, state.field) || { frames: [] }).frames.length));
  // The colour range of the field at the frame: the default of each panel's frame, joined.
  function range(name, frame) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const p of panels) {
      const f = fieldOf(p.d, name);
      if (!f) continue;
      const r = f.frames[Math.min(frame, f.frames.length - 1)].range;
      lo = Math.min(lo, r[0]);
      hi = Math.max(hi, r[1]);
    }
    return lo <= hi ? [lo, hi] : [0, 0];
  }

  function paintWall() {
    const n = frameCount();
    if (state.frame === null || state.frame >= n) state.frame = n - 1;
    frameSlider.max = n - 1;
    frameSlider.value = state.frame;
    frameSlider.disabled = play.disabled = n < 2;
    const r = range(state.field, state.frame);
    let label = '';
    let when = '';
    for (const p of panels) {
      const f = fieldOf(p.d, state.field);
      const colours = p.geometry.getAttribute('color');
      const m = colours.count / 3;
      if (!f) {
        p.values = null;
        for (let t = 0; t < m; t++) for (let k = 0; k < 3; k++) colour(NaN, colours.array, 9 * t + 3 * k);
      } else {
        const fr = f.frames[Math.min(state.frame, f.frames.length - 1)];
        const q = u16(fr.values);
        p.values = { field: f, values: Array.from(q, (x) => decode(x, f.lo, f.hi)) };
        for (let t = 0; t < m; t++) {
          colour(position(p.values.values[t], r), colours.array, 9 * t);
          colours.array.copyWithin(9 * t + 3, 9 * t, 9 * t + 3);
          colours.array.copyWithin(9 * t + 6, 9 * t, 9 * t + 3);
        }
        label = f.label;
        when = fr.when;
      }
      colours.needsUpdate = true;
    }
    frameText.textContent = when;
    wallLegend.box.style.display = label ? '' : 'none';
    wallLegend.set(label + ' (' + when + ')', r);
  }

  function buildSlices() {
    let text = '';
    let rangeAll = [Infinity, -Infinity];
    for (const p of panels) {
      if (p.slice) {
        p.scene.remove(p.slice);
        p.slice.geometry.dispose();
        p.slice = null;
      }
      p.wall.material.transparent = !!state.slice;
      p.wall.material.opacity = state.slice ? 0.3 : 1;
      p.wall.material.depthWrite = !state.slice;
      p.wall.material.needsUpdate = true;
      const c = p.cells;
      if (!state.slice || !c) continue;
      const a = 'xyz'.indexOf(state.slice);
      const layer = Math.floor((state.at - p.d.centre[a] * 1e3 - c.origin[a]) / c.spacing);
      if (layer < 0 || layer >= c.dims[a]) continue;
      const u = (a + 1) % 3;
      const w = (a + 2) % 3;
      const pos = [];
      const speeds = [];
      for (let i = 0; i < c.speed.length; i++) {
        if (c.ijk[3 * i + a] !== layer) continue;
        const corner = (du, dw) => {
          const q = [0, 0, 0];
          q[a] = c.origin[a] + (layer + 0.5) * c.spacing;
          q[u] = c.origin[u] + (c.ijk[3 * i + u] + du) * c.spacing;
          q[w] = c.origin[w] + (c.ijk[3 * i + w] + dw) * c.spacing;
          return q;
        };
        pos.push(...corner(0, 0), ...corner(1, 0), ...corner(1, 1), ...corner(0, 0), ...corner(1, 1), ...corner(0, 1));
        speeds.push(c.speed[i]);
        rangeAll = [Math.min(rangeAll[0], c.speed[i]), Math.max(rangeAll[1], c.speed[i])];
      }
      const g = new T.BufferGeometry();
      g.setAttribute('position', new T.BufferAttribute(new Float32Array(pos), 3));
      g.setAttribute('color', new T.BufferAttribute(new Float32Array(pos.length), 3));
      p.slice = new T.Mesh(g, new T.MeshBasicMaterial({ vertexColors: true, side: T.DoubleSide }));
      p.slice.userData.speeds = speeds;
      p.scene.add(p.slice);
      const mm = p.d.centre[a] * 1e3 + c.origin[a] + (layer + 0.5) * c.spacing;
      text = state.slice + ' = ' + mm.toFixed(2) + ' mm, ' + c.when;
    }
    // Speeds coloured over the slice's own min..max (as `hemoflow render`), joined over panels.
    const r = rangeAll[0] <= rangeAll[1] ? rangeAll : [0, 0];
    for (const p of panels) {
      if (!p.slice) continue;
      const colours = p.slice.geometry.getAttribute('color').array;
      p.slice.userData.speeds.forEach((s, i) => {
        colour(position(s, r), colours, 18 * i);
        for (let k = 1; k < 6; k++) colours.copyWithin(18 * i + 3 * k, 18 * i, 18 * i + 3);
      });
    }
    sliceText.textContent = text;
    speedLegend.box.style.display = state.slice && hasCells ? '' : 'none';
    speedLegend.set('speed [m/s] on the slice', r);
  }

  // The camera for a named view: looking from that side at the middle of the wall, as close as
  // the wall's extent across the picture allows (with a margin).
  const ANGLES = { iso: [45, 35.264], front: [0, 0], right: [90, 0], back: [180, 0], left: [270, 0], top: [0, 89.9], bottom: [0, -89.9] };
  function setView(p, name) {
    const [az, el] = (ANGLES[name] || ANGLES.iso).map((x) => (x * Math.PI) / 180);
    const eye = new T.Vector3(Math.sin(az) * Math.cos(el), -Math.cos(az) * Math.cos(el), Math.sin(el));
    const right = new T.Vector3(0, 0, 1).cross(eye).normalize();
    const up = eye.clone().cross(right);
    const pos = p.geometry.getAttribute('position').array;
    const lo = [Infinity, Infinity, Infinity];
    const hi = [-Infinity, -Infinity, -Infinity];
    const q = new T.Vector3();
    for (let i = 0; i < pos.length; i += 3) {
      q.set(pos[i], pos[i + 1], pos[i + 2]);
      const c = [q.dot(right), q.dot(up), q.dot(eye)];
      for (let k = 0; k < 3; k++) {
        lo[k] = Math.min(lo[k], c[k]);
        hi[k] = Math.max(hi[k], c[k]);
      }
    }
    const mid = right.clone().multiplyScalar((lo[0] + hi[0]) / 2).addScaledVector(up, (lo[1] + hi[1]) / 2).addScaledVector(eye, (lo[2] + hi[2]) / 2);
    const tanV = Math.tan((p.camera.fov * Math.PI) / 360);
    const half = Math.max((hi[0] - lo[0]) / 2 / (tanV * p.camera.aspect), (hi[1] - lo[1]) / 2 / tanV) * 1.1;
    const dist = half + (hi[2] - lo[2]) / 2;
    p.controls.target.copy(mid);
    p.camera.position.copy(mid).addScaledVector(eye, dist);
    p.camera.near = dist / 100;
    p.camera.far = dist * 10;
    p.camera.updateProjectionMatrix();
    p.controls.update();
  }

  function resize(p) {
    const w = p.box.clientWidth;
    const h = p.box.clientHeight;
    p.renderer.setPixelRatio(window.devicePixelRatio || 1);
    p.renderer.setSize(w, h, false);
    p.camera.aspect = w / Math.max(h, 1);
    p.camera.updateProjectionMatrix();
  }

  function draw(p) {
    p.renderer.render(p.scene, p.camera);
    const w = p.box.clientWidth;
    const h = p.box.clientHeight;
    for (const c of p.caps) {
      const s = c.at.clone().project(p.camera);
      const seen = s.z < 1 && Math.abs(s.x) < 1 && Math.abs(s.y) < 1;
      c.label.style.display = seen ? '' : 'none';
      c.label.style.left = ((s.x + 1) / 2) * w + 'px';
      c.label.style.top = ((1 - s.y) / 2) * h + 'px';
    }
  }
  const drawAll = () => panels.forEach(draw);

  // The readout at a point of the page: the wall's value there (or the slice's speed).
  function hover(p, x, y) {
    const rect = p.renderer.domElement.getBoundingClientRect();
    const ndc = new T.Vector2(((x - rect.left) / rect.width) * 2 - 1, -((y - rect.top) / rect.height) * 2 + 1);
    raycaster.setFromCamera(ndc, p.camera);
    const hits = raycaster.intersectObjects(p.slice ? [p.slice, p.wall] : [p.wall], false);
    const hit = hits[0];
    p.mark.style.display = hit ? '' : 'none';
    if (!hit) {
      p.read.textContent = 'Point at the wall to read its value.';
      delete p.read.dataset.value;
      return null;
    }
    p.mark.style.left = x - rect.left + 'px';
    p.mark.style.top = y - rect.top + 'px';
    const at = hit.point.toArray().map((c, k) => c + p.d.centre[k] * 1e3);
    const where = '(' + at.map((c) => c.toFixed(2)).join(', ') + ') mm';
    let value;
    let name;
    let unit;
    if (hit.object === p.slice) {
      value = p.slice.userData.speeds[Math.floor(hit.faceIndex / 2)];
      name = 'speed';
      unit = 'm/s';
    } else if (p.values) {
      value = p.values.values[hit.faceIndex];
      name = p.values.field.label.replace(/ \[.*\]$/, '');
      unit = p.values.field.unit === '-' ? '' : p.values.field.unit;
    } else {
      value = NaN;
      name = 'no field';
      unit = '';
    }
    p.read.textContent = name + ' ' + fmt(value) + (unit ? ' ' + unit : '') + ' at ' + where;
    Object.assign(p.read.dataset, { value, field: name, x: at[0], y: at[1], z: at[2], triangle: hit.faceIndex });
    return { value, field: name, unit, position_mm: at, triangle: hit.object === p.wall ? hit.faceIndex : null };
  }

  // The wall point nearest the middle of panel p's picture, as page coordinates (a triangle's
  // centroid, so that the point is inside the triangle the readout reads).
  function middlePoint(p) {
    const rect = p.renderer.domElement.getBoundingClientRect();
    for (let ring = 0; ring < 40; ring++) {
      for (let k = 0; k < Math.max(1, 8 * ring); k++) {
        const ang = (2 * Math.PI * k) / Math.max(1, 8 * ring);
        const ndc = new T.Vector2((ring / 40) * Math.cos(ang), (ring / 40) * Math.sin(ang));
        raycaster.setFromCamera(ndc, p.camera);
        const hit = raycaster.intersectObject(p.wall, false)[0];
        if (!hit) continue;
        const a = p.geometry.getAttribute('position');
        const c = new T.Vector3();
        for (let j = 0; j < 3; j++) c.add(new T.Vector3().fromBufferAttribute(a, 3 * hit.faceIndex + j));
        const s = c.divideScalar(3).project(p.camera);
        return [rect.left + ((s.x + 1) / 2) * rect.width, rect.top + ((1 - s.y) / 2) * rect.height];
      }
    }
    return null;
  }

  // ---- controls ------------------------------------------------------------------------------
  fieldSelect.value = state.field;
  viewSelect.value = ANGLES[state.view] ? state.view : 'iso';
  sliceAxis.value = state.slice;
  // The slider over the grids' reach along the slice's axis, in cell steps; the position kept
  // where it lies inside, else the middle.
  function fitSlider() {
    sliceAt.parentNode.style.display = sliceText.style.display = state.slice ? '' : 'none';
    if (!state.slice) return;
    const [lo, hi, step] = extent('xyz'.indexOf(state.slice));
    Object.assign(sliceAt, { min: lo + step / 2, max: hi - step / 2, step });
    if (!(state.at >= lo && state.at <= hi)) state.at = (lo + hi) / 2;
    sliceAt.value = state.at;
  }
  fitSlider();
  const repaint = () => {
    paintWall();
    drawAll();
  };
  const reslice = () => {
    buildSlices();
    drawAll();
  };
  fieldSelect.addEventListener('change', () => {
    state.field = fieldSelect.value;
    state.frame = null;
    repaint();
  });
  frameSlider.addEventListener('input', () => {
    state.frame = Number(frameSlider.value);
    repaint();
  });
  let timer = null;
  play.addEventListener('click', () => {
    if (timer) {
      clearInterval(timer);
      timer = null;
      play.textContent = 'Play';
      return;
    }
    play.textContent = 'Pause';
    timer = setInterval(() => {
      state.frame = (state.frame + 1) % frameCount();
      repaint();
    }, 300);
  });
  const applyView = () => {
    for (const p of panels) setView(p, viewSelect.value);
    drawAll();
  };
  viewSelect.addEventListener('change', applyView);
  reset.addEventListener('click', applyView);
  window.addEventListener('keydown', (e) => {
    if (e.key === 'r' && !(e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement)) applyView();
  });
  sliceAxis.addEventListener('change', () => {
    state.slice = sliceAxis.value;
    fitSlider();
    reslice();
  });
  sliceAt.addEventListener('input', () => {
    state.at = Number(sliceAt.value);
    reslice();
  });
  window.addEventListener('resize', () => {
    panels.forEach(resize);
    drawAll();
  });

  panels.forEach(resize);
  paintWall();
  buildSlices();
  for (const p of panels) setView(p, viewSelect.value);
  drawAll();
  if (params.get('hover') === 'centre') {
    const at = middlePoint(panels[0]);
    if (at) hover(panels[0], ...at);
  }
  if (selftest) setTimeout(selfTest, 0);

  // The tests' check (tests/view3d.rs reads it from the page's DOM): errors so far; the share of
  // the first panel's pixels in colour (not white or grey); the colour bar's ends; how much of
  // the picture a 60-degree turn changes; the readout at the wall point nearest the middle,
  // through a real pointer event.
  function selfTest() {
    const p = panels[0];
    const gl = p.renderer.getContext();
    const pixels = () => {
      draw(p);
      const a = new Uint8Array(gl.drawingBufferWidth * gl.drawingBufferHeight * 4);
      gl.readPixels(0, 0, gl.drawingBufferWidth, gl.drawingBufferHeight, gl.RGBA, gl.UNSIGNED_BYTE, a);
      return a;
    };
    const before = pixels();
    let coloured = 0;
    for (let i = 0; i < before.length; i += 4) {
      const r = before[i];
      const g = before[i + 1];
      const b = before[i + 2];
      if (Math.max(r, g, b) - Math.min(r, g, b) > 40) coloured++;
    }
    const ctx = wallLegend.canvas.getContext('2d');
    const ends = [ctx.getImageData(0, 0, 1, 1).data, ctx.getImageData(255, 0, 1, 1).data].map((d) => Array.from(d.slice(0, 3)));
    const spherical = p.camera.position.clone().sub(p.controls.target);
    spherical.applyAxisAngle(new T.Vector3(0, 0, 1), Math.PI / 3);
    p.camera.position.copy(p.controls.target).add(spherical);
    p.controls.update();
    const after = pixels();
    const linked = panels.every((q) => q.camera.position.distanceTo(p.camera.position) < 1e-6 * p.camera.position.length());
    let changed = 0;
    for (let i = 0; i < before.length; i += 4) {
      if (Math.abs(before[i] - after[i]) + Math.abs(before[i + 1] - after[i + 1]) + Math.abs(before[i + 2] - after[i + 2]) > 30) changed++;
    }
    applyView();
    let readout = null;
    const at = middlePoint(p);
    if (at) {
      p.renderer.domElement.dispatchEvent(new PointerEvent('pointermove', { clientX: at[0], clientY: at[1], bubbles: true, pointerType: 'mouse' }));
      const ds = p.read.dataset;
      readout = { text: p.read.textContent, value: Number(ds.value), field: ds.field, position_mm: [Number(ds.x), Number(ds.y), Number(ds.z)], triangle: Number(ds.triangle) };
    }
    const result = {
      errors: (window.HEMOFLOW_ERRORS || []).slice(),
      webgl: gl.getParameter(gl.VERSION),
      panels: panels.length,
      field: state.field,
      fields: fieldNames,
      frames: frameCount(),
      coloured_share: coloured / (before.length / 4),
      bar_ends: ends,
      colormap_ends: [data.colormap[0], data.colormap[8]],
      rotation_changed_share: changed / (before.length / 4),
      cameras_turned_together: panels.length > 1 ? linked : null,
      outlined_triangles: panels.map((q) => Number(q.box.dataset.outlined || 0)),
      outline_edges: panels.map((q) => Number(q.box.dataset.outline_edges || 0)),
      slice: state.slice ? { axis: state.slice, at_mm: state.at, panels_cut: panels.filter((q) => q.slice).length } : null,
      caps_shown: p.caps.filter((c) => c.label.style.display !== 'none').map((c) => c.label.textContent),
      readout,
    };
    el('pre', { id: 'selftest', textContent: JSON.stringify(result) }, document.body);
  }
})();
