package smbench;

import java.util.Arrays;

/** Entry point of the benchmark tool: one sub-command per workload or helper. */
public final class Main {
    private Main() {
    }

    public static void main(String[] argv) throws Exception {
        if (argv.length == 0) {
            System.err.println("usage: smbench sdp|whep|ws-echo|ws|hls|soak|jfr-top|report [--key value ...]");
            System.exit(2);
        }
        Args a = Args.parse(Arrays.copyOfRange(argv, 1, argv.length));
        switch (argv[0]) {
            case "sdp": Sdp.main(a); break;
            case "whep": WhepLoad.main(a); break;
            case "ws-echo": WsEcho.main(a); break;
            case "ws": WsLoad.main(a); break;
            case "hls": HlsLoad.main(a); break;
            case "soak": Soak.main(a); break;
            case "jfr-top": JfrTop.main(a); break;
            case "report": Report.main(a); break;
            default:
                System.err.println("unknown command " + argv[0]);
                System.exit(2);
        }
        System.exit(0);
    }
}
