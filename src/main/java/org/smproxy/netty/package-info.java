/**
 * The experimental Netty listener ({@code standalone.netty.port}): the WHIP/WHEP signalling relay on one event loop
 * per core, epoll and BoringSSL where available, the client leg and the node leg of a request on the same loop, and
 * a keep-alive pool to nodes per loop. A spike measured against nginx (bench/README.md); it knows no servlet API.
 * It repeats the servlet relay's rules ({@code org.smproxy.whip}) until both move into one transport-neutral core.
 */
package org.smproxy.netty;
