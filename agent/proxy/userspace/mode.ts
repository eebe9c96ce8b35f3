// The userspace mode (being written): refused until it lands.

import { ProxyModeError, type ProxyModeBackend } from '../types.ts';

export const userspaceMode: ProxyModeBackend = {
  name: 'userspace',
  async create() {
    throw new ProxyModeError('proxy mode "userspace" is not built into this minik yet');
  },
  async cleanup() {},
  async rules() {
    return '';
  },
};
