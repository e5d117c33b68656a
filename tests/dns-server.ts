import dns2 from 'dns2';

const { Packet } = dns2;

type RecordType = 'TXT' | 'MX' | 'CNAME';

/**
 * A real authoritative DNS server (dns2, over UDP) on loopback, for domain checks. Tests publish
 * records into it and point the API's resolver at `address` (the DNS_SERVERS form `host:port`).
 */
export interface TestDnsServer {
  address: string;
  publish(type: RecordType, name: string, value: string): void;
  unpublish(type: RecordType, name: string): void;
  close(): Promise<void>;
}

export async function startDnsServer(): Promise<TestDnsServer> {
  const records = new Map<string, { type: RecordType; value: string }[]>();
  const key = (name: string) => name.toLowerCase().replace(/\.$/, '');

  const server = dns2.createServer({
    udp: true,
    handle: (request, send) => {
      const response = Packet.createResponseFromRequest(request);
      const [question] = request.questions;
      const found = question ? records.get(key(question.name)) : undefined;
      if (!question || !found) {
        response.header.rcode = Packet.RCODE.NXDOMAIN;
        void send(response);
        return;
      }
      for (const record of found) {
        const base = { name: question.name, class: Packet.CLASS.IN, ttl: 1 };
        if (record.type === 'TXT' && question.type === Packet.TYPE.TXT) {
          response.answers.push({ ...base, type: Packet.TYPE.TXT, data: record.value } as (typeof response.answers)[number]);
        } else if (record.type === 'MX' && question.type === Packet.TYPE.MX) {
          const [priority, exchange] = record.value.split(' ');
          response.answers.push({
            ...base,
            type: Packet.TYPE.MX,
            priority: Number(priority),
            exchange: exchange?.replace(/\.$/, ''),
          } as (typeof response.answers)[number]);
        } else if (record.type === 'CNAME' && question.type === Packet.TYPE.CNAME) {
          response.answers.push({ ...base, type: Packet.TYPE.CNAME, domain: record.value.replace(/\.$/, '') } as (typeof response.answers)[number]);
        }
      }
      void send(response);
    },
  });
  const addresses = await server.listen({ udp: { port: 0, address: '127.0.0.1' } });
  const port = addresses.udp?.port;
  if (!port) throw new Error('the DNS server did not report its UDP port');

  return {
    address: `127.0.0.1:${port}`,
    publish(type, name, value) {
      const list = records.get(key(name)) ?? [];
      list.push({ type, value });
      records.set(key(name), list);
    },
    unpublish(type, name) {
      const list = (records.get(key(name)) ?? []).filter((record) => record.type !== type);
      if (list.length > 0) records.set(key(name), list);
      else records.delete(key(name));
    },
    close: () => server.close(),
  };
}
