// The one-machine Ceph S3 gateway the tests start: shared with `npm run bench -- s3`.
export { CEPH_BINARIES, HAVE_CEPH, startCephGateway, type CephGateway } from '../../bench/ceph-gateway.js';
