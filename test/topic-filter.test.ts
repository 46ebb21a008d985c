import { expect } from 'chai';
import { filterCovers, topicMatches } from '../protocol/index.ts';

describe('topic filters (qlobber with MQTT options)', () => {
  it('topicMatches: + is one level (empty levels too), # is the rest including the parent', () => {
    expect(topicMatches('comms/v1/modules/+/card', 'comms/v1/modules/marker/card')).to.equal(true);
    expect(topicMatches('comms/v1/modules/+/card', 'comms/v1/modules/marker/x/card')).to.equal(false);
    expect(topicMatches('a/+/b', 'a//b')).to.equal(true);
    expect(topicMatches('comms/v1/#', 'comms/v1')).to.equal(true);
    expect(topicMatches('comms/v1/#', 'comms/v1/a/b/c')).to.equal(true);
    expect(topicMatches('comms/v1/#', 'comms/v2/a')).to.equal(false);
    expect(topicMatches('a/b', 'a/b/c')).to.equal(false);
  });

  it('topicMatches: a wildcard first level never matches a $ topic', () => {
    expect(topicMatches('#', '$SYS/broker')).to.equal(false);
    expect(topicMatches('+/broker', '$SYS/broker')).to.equal(false);
    expect(topicMatches('$SYS/#', '$SYS/broker')).to.equal(true);
  });

  it('topicMatches: a topic deeper than aedes allows matches nothing instead of throwing', () => {
    expect(topicMatches('#', Array.from({ length: 101 }, () => 'x').join('/'))).to.equal(false);
  });

  it('filterCovers: a + never covers a requested #, and a wildcard never covers a $ filter', () => {
    expect(filterCovers('comms/v1/modules/+', 'comms/v1/modules/#')).to.equal(false);
    expect(filterCovers('comms/v1/modules/#', 'comms/v1/modules/#')).to.equal(true);
    expect(filterCovers('comms/v1/#', 'comms/v1/modules/+/card')).to.equal(true);
    expect(filterCovers('#', '$SYS/#')).to.equal(false);
    expect(filterCovers('+/a', '$s/a')).to.equal(false);
  });
});
