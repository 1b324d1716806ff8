// Starts AWS's DynamoDB Local bound to one address (loopback by default) instead of every interface.
// DynamoDB Local has no bind-address option: its DynamoDBProxyServer builds a Jetty Server(port), whose
// connector listens on all interfaces. This launcher builds the same server from the same command-line
// arguments, sets the host of each of its connectors before starting it, and then waits like DynamoDB
// Local's own main does. Run with Java's source-file mode (JDK 11+):
//   java -Djava.library.path=<lib>/DynamoDBLocal_lib -cp "<lib>/DynamoDBLocal.jar:<lib>/DynamoDBLocal_lib/*" \
//        -Ddynamodb.local.host=127.0.0.1 LoopbackDynamoDbLocal.java -port 8000 -inMemory -sharedDb
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

public final class LoopbackDynamoDbLocal {
  public static void main(String[] args) throws Exception {
    String host = System.getProperty("dynamodb.local.host", "127.0.0.1");
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);
    Connector[] connectors = server.getConnectors();
    if (connectors.length == 0) throw new IllegalStateException("DynamoDB Local built no connector");
    for (Connector connector : connectors) ((ServerConnector) connector).setHost(host);
    proxy.start();
    System.out.println("DynamoDB Local listening on " + host);
    proxy.join();
  }
}
