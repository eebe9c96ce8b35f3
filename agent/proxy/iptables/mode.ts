// The iptables mode (being written): refused until it lands.

import { ProxyModeError, type ProxyModeBackend } from '../types.ts';

export const iptablesMode: ProxyModeBackend = {
  name: 'iptables',
  async create() {
    throw new ProxyModeError('proxy mode "iptables" is not built into this minik yet');
  },
  async cleanup() {},
  async rules() {
    return '';
  },
};
