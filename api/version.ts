// The version `minik --version` prints. Kept in step with package.json by hand
// (importing package.json would pull it into every bundle at a path that moves).
export const MINIK_VERSION = '0.1.0';
