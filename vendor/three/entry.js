export {
  WebGLRenderer, Scene, PerspectiveCamera, BufferGeometry, BufferAttribute, Mesh, MeshLambertMaterial,
  MeshBasicMaterial, DirectionalLight, AmbientLight, Raycaster, Vector2, Vector3, DoubleSide,
  LineSegments, LineBasicMaterial, ColorManagement, LinearSRGBColorSpace, EdgesGeometry
} from 'three';
export { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
